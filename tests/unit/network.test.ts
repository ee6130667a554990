import { describe, expect, it } from 'vitest';
import { isPublicHostname, lanAddresses, publicBaseUrl, serverBaseUrl, startupLines, verifyAddress, type Interfaces } from '../../src/lib/server/network';

const loopback = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }] };
const nic = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4') => ({ address, netmask: '255.255.255.0', family, mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` });
const withWifi = { ...loopback, wlan0: [nic('192.168.1.10')] } as Interfaces;
const loopbackOnly = loopback as Interfaces;

describe('publicBaseUrl: the address phones are sent to', () => {
	it('uses PUBLIC_URL when set, whatever the browser used', () => {
		const base = publicBaseUrl(new URL('http://localhost:3000/workshops/1'), { env: { PUBLIC_URL: 'https://mufakat.example.go.id/' }, interfaces: loopbackOnly });
		expect(base).toEqual({ url: 'https://mufakat.example.go.id', loopbackOnly: false, warning: null });
	});

	it('keeps the LAN address a browser came in through', () => {
		const base = publicBaseUrl(new URL('http://192.168.1.10:3000/workshops/1'), { env: {}, interfaces: withWifi });
		expect(base).toEqual({ url: 'http://192.168.1.10:3000', loopbackOnly: false, warning: null });
	});

	it('turns localhost, 127.0.0.1 and [::1] into the LAN address', () => {
		for (const opened of ['http://localhost:3000/', 'http://127.0.0.1:3000/', 'http://[::1]:3000/']) {
			expect(publicBaseUrl(new URL(opened), { env: {}, interfaces: withWifi }).url).toBe('http://192.168.1.10:3000');
		}
	});

	it('warns when the browser came in through localhost and there is no LAN address', () => {
		expect(publicBaseUrl(new URL('http://localhost:3000/'), { env: {}, interfaces: loopbackOnly })).toEqual({ url: 'http://localhost:3000', loopbackOnly: true, warning: 'noNetwork' });
	});

	it('warns when HOST keeps the server on loopback, even with a LAN address', () => {
		expect(publicBaseUrl(new URL('http://127.0.0.1:3000/'), { env: { HOST: '127.0.0.1' }, interfaces: withWifi })).toMatchObject({ loopbackOnly: true, warning: 'hostLoopback' });
	});

	it('follows ORIGIN, and warns when ORIGIN is a loopback address (phones’ form posts would be refused)', () => {
		expect(publicBaseUrl(new URL('http://192.168.1.10:3000/'), { env: { ORIGIN: 'https://forum.example.org' }, interfaces: withWifi }).url).toBe('https://forum.example.org');
		expect(publicBaseUrl(new URL('http://localhost:3000/'), { env: { ORIGIN: 'http://localhost:3000' }, interfaces: withWifi })).toMatchObject({ loopbackOnly: true, warning: 'originLoopback' });
	});

	it('ignores a PUBLIC_URL that is not an http(s) address', () => {
		expect(publicBaseUrl(new URL('http://192.168.1.10:3000/'), { env: { PUBLIC_URL: 'mufakat.local' }, interfaces: withWifi }).url).toBe('http://192.168.1.10:3000');
	});

	it('without a request, answers as for http://localhost:PORT', () => {
		expect(serverBaseUrl({ env: { PORT: '8080' }, interfaces: withWifi }).url).toBe('http://192.168.1.10:8080');
		expect(serverBaseUrl({ env: { PUBLIC_URL: 'https://x.example.org' }, interfaces: withWifi }).url).toBe('https://x.example.org');
	});
});

describe('lanAddresses', () => {
	it('puts the private ranges first (192.168, 10, 172.16–31) and container bridges last', () => {
		const interfaces = {
			...loopback,
			docker0: [nic('172.17.0.1')],
			eth1: [nic('203.0.113.7')],
			eth0: [nic('172.20.5.2')],
			wlan0: [nic('10.0.0.5'), nic('fe80::1', 'IPv6')],
			wlan1: [nic('192.168.43.2')],
			usb0: [nic('169.254.3.3')]
		} as Interfaces;
		expect(lanAddresses(interfaces)).toEqual(['192.168.43.2', '10.0.0.5', '172.20.5.2', '203.0.113.7', '172.17.0.1']);
	});
});

describe('startupLines', () => {
	it('lists Local, every Network address and Public', () => {
		const interfaces = { ...withWifi, eth0: [nic('10.1.2.3')] } as Interfaces;
		const lines = startupLines({ host: '0.0.0.0', port: 3000, env: { PUBLIC_URL: 'https://mufakat.example.go.id' }, interfaces });
		expect(lines[0]).toBe('Mufakat listening on http://localhost:3000');
		expect(lines).toContain('  Local:   http://localhost:3000/');
		expect(lines).toContain('  Network: http://192.168.1.10:3000/');
		expect(lines).toContain('  Network: http://10.1.2.3:3000/');
		expect(lines).toContain('  Public:  https://mufakat.example.go.id/');
	});

	it('with HOST set to one address, lists that one only', () => {
		const lines = startupLines({ host: '192.168.1.10', port: 3000, env: {}, interfaces: { ...withWifi, eth0: [nic('10.1.2.3')] } as Interfaces });
		expect(lines.filter((l) => l.includes('Network:'))).toEqual(['  Network: http://192.168.1.10:3000/']);
		expect(lines.some((l) => l.includes('Local:'))).toBe(false);
	});

	it('says why phones cannot connect', () => {
		expect(startupLines({ host: '127.0.0.1', port: 3000, env: {}, interfaces: withWifi }).join('\n')).toMatch(/Network: none \(HOST=127\.0\.0\.1/);
		expect(startupLines({ host: '0.0.0.0', port: 3000, env: {}, interfaces: loopbackOnly }).join('\n')).toMatch(/Network: none \(this computer has no address/);
		expect(startupLines({ host: '0.0.0.0', port: 3000, env: { ORIGIN: 'http://localhost:3000' }, interfaces: withWifi }).join('\n')).toMatch(/Warning: ORIGIN=/);
	});
});

describe('the verify address printed in PDFs', () => {
	it('is local-only on loopback, private and single-label addresses, public on a real name or address', () => {
		expect(verifyAddress('http://192.168.1.10:3000')).toEqual({ url: 'http://192.168.1.10:3000/verify', localOnly: true });
		expect(verifyAddress('https://mufakat.example.go.id')).toEqual({ url: 'https://mufakat.example.go.id/verify', localOnly: false });
		for (const host of ['localhost', '127.0.0.1', '10.2.3.4', '172.16.0.1', '100.100.1.1', '[::1]', '[fd00::2]', 'laptop-aula', 'mufakat.local']) expect(isPublicHostname(host), host).toBe(false);
		for (const host of ['36.91.2.3', 'forpemma.madiunkota.go.id', '[2001:df0::1]']) expect(isPublicHostname(host), host).toBe(true);
	});
});
