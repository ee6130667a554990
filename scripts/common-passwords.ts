/**
 * npx tsx scripts/common-passwords.ts
 *
 * Writes src/lib/server/accounts/common-passwords.json: the passwords an account may not use.
 * Mufakat asks for at least 10 characters, so what matters is the long passwords people pick: the
 * base words that head the published leaked-password lists (SecLists' "10k most common", the
 * yearly NordPass and SplashData top lists), their Indonesian counterparts and the words of a
 * forum's own world (dinas, desa, rapat …), stretched the way people stretch them (digits, years,
 * "!", the word twice), plus keyboard walks and runs of digits. Deterministic: run it again after
 * changing the lists below and commit both files.
 */
import { writeFileSync } from 'node:fs';

const MIN = 10;
const MAX = 64;

const ENGLISH = `password passw0rd p@ssword p@ssw0rd iloveyou princess sunshine football baseball basketball
welcome monkey dragon master letmein shadow superman batman spiderman trustno1 qwerty abc abcdef abcdefg
admin administrator login starwars michael jessica charlie jordan hunter ranger thomas robert daniel
jennifer ashley nicole hannah matthew andrew joshua computer internet whatever freedom secret summer
winter spring autumn flower cookie chocolate butterfly pokemon naruto lovely loveme love lover family
friends forever angel angels baby babygirl soccer hockey killer mustang harley maggie ginger pepper
tigger buster samsung apple google facebook instagram youtube twitter microsoft windows linux hello
hellokitty test testing changeme default guest user root toor oracle server system manager access
mypass mypassword pass passwd secure security private public matrix ninja qazwsx zaq1zaq1 1qaz2wsx
q1w2e3r4 asdf asdfgh zxcvbn zxcvbnm qwer qwert iloveu loveyou letmein trustme money number
shopping sunflower rainbow purple orange banana cheese pizza diamond silver golden gold phoenix
liverpool chelsea arsenal barcelona realmadrid manchester juventus ronaldo messi neymar beckham
jesus christ godbless blessed heaven london paris newyork america canada australia dolphin tiger
lion eagle falcon cowboy cowboys yankees lakers warrior warriors legend legends player gamer
minecraft fortnite roblox pubg mobile legendsml welcome1 superstar rockstar starlight moonlight
midnight blackcat whitecat ironman captain avengers marvel pikachu charmander batman1 qwertyuiop
asdfghjkl zxcvbnmm password1 iloveyou1 princess1 nothing anything something everything`;

const INDONESIAN = `sayang sayangku cinta cintaku cintakamu rahasia rahasiaku indonesia indonesiaraya bismillah
alhamdulillah subhanallah allahuakbar masyaallah insyaallah astagfirullah lailahaillallah merdeka
pancasila garuda garudaku nusantara bhinneka bhinnekatunggalika jakarta bandung surabaya medan makassar
semarang yogyakarta jogja jogjakarta malang bali denpasar lampung bandarlampung madiun palembang
pontianak banjarmasin balikpapan samarinda manado ambon jayapura kupang mataram kendari palu
pekanbaru padang jambi bengkulu aceh bantul sleman bogor depok bekasi tangerang cirebon solo
persija persib persebaya arema aremania bonek jakmania viking sriwijaya doraemon kucing kucingku
anjing bunda mamah mama papa papah ayah ayahbunda ibu ibuku anakku keluarga semangat sukses berkah
amanah kamu aku akucintakamu akusayangkamu sayangkamu selamanya bahagia cantik ganteng manis rindu
kangen jodoh sahabat teman kawan mantan galau rahasianegara gotongroyong rakyat negara tanahair
sumpahpemuda proklamasi kopi kopihitam nasigoreng sate bakso mieayam rendang indomie telkomsel
indosat tokopedia bukalapak shopee gojek grab wifi hotspot wifigratis passwordnya katasandi sandi
kunci masuk bukaaja rahasiabanget tidakada apaaja terserah gantipassword gantisandi sayangmama
sayangibu sayangayah muhammad ahmad abdullah fatimah aisyah siti nurul dewi putri putra agus budi
joko wati sri rina yanti dian indah bayu rizky fajar ilham dimas adit anisa ayu lestari rahmat`;

/** The words of a forum's own offices and meetings: the first thing a secretariat would try. */
const FORUM = `forum rapat musyawarah lokakarya sekretariat moderator notulen notulis peserta undangan
dinas kantor pegawai operator pemda pemkab pemkot pemprov bappeda bappelitbangda bapelitbangda
kabupaten kecamatan kelurahan desa kampung pekon nagari gampong kota provinsi nasional camat lurah
kades kepaladesa sekdes bupati walikota gubernur dprd opd bumdes pkk posyandu puskesmas sekolah
madrasah pesantren yayasan komunitas relawan pemuda karangtaruna koperasi umkm pentahelix program
kegiatan anggaran laporan beritaacara daftarhadir komitmen kesepakatan kemitraan pembangunan`;

const words = (text: string) => [...new Set(text.split(/\s+/).filter(Boolean).map((w) => w.toLowerCase()))];

/** What people append to reach a length rule: counting, "!", the year, Independence Day. */
const SUFFIXES = [
	'', '1', '12', '123', '1234', '12345', '123456', '123456789', '!', '123!', '@123', '01', '11', '99', '1945', '17081945',
	...Array.from({ length: 2026 - 2015 + 1 }, (_, i) => String(2015 + i))
];

const WALKS = [
	'1234567890', '0123456789', '0987654321', '9876543210', '12345678910', '123456789012', '1234512345',
	'1122334455', '1357924680', '1029384756', '123123123123', '1212121212', '1231231231', '0000000000',
	'qwertyuiop', 'qwertyuiop[]', 'asdfghjkl;', 'zxcvbnm,./', 'qwertyasdf', 'qwerty123456', 'qwerty12345',
	'1qaz2wsx3edc', '1qaz2wsx3edc4rfv', 'qazwsxedc', 'qazwsxedcrfv', 'zaq12wsx', 'zaq1xsw2cde3', '!qaz2wsx',
	'1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4t5', 'q1w2e3r4t5y6', 'qweasdzxc123', 'asdfqwer1234', 'abcdefghij',
	'abcdefghijk', 'abcd123456', 'abc1234567', 'a123456789', 'aa123456789', 'qwe1234567', 'asd1234567',
	'asdfghjkl1', 'zxcvbnm123', 'iloveyou12', 'password12', 'passwordpassword'
];

const found = new Set<string>();
const add = (p: string) => {
	if (p.length >= MIN && p.length <= MAX) found.add(p);
};

for (const word of [...words(ENGLISH), ...words(INDONESIAN), ...words(FORUM)]) {
	for (const suffix of SUFFIXES) add(word + suffix);
	add(word + word);
}
for (const w of WALKS) add(w);
for (const digit of '0123456789') for (let n = MIN; n <= 16; n++) add(digit.repeat(n));

const list = [...found].sort();
const out = new URL('../src/lib/server/accounts/common-passwords.json', import.meta.url);
writeFileSync(out, '[\n' + list.map((p) => JSON.stringify(p)).join(',\n') + '\n]\n');
console.log(`${list.length} common passwords written to ${out.pathname}`);
