/**
 * Why phones in the hall cannot follow a link or QR code this server makes, if they cannot:
 * - `noNetwork`: the laptop has no address on any network, only loopback;
 * - `hostLoopback`: HOST makes the server listen on loopback only;
 * - `originLoopback`: ORIGIN is a loopback address, so form posts from any other address are refused.
 */
export type LinkWarning = 'noNetwork' | 'hostLoopback' | 'originLoopback';
