import { randomBytes } from 'node:crypto';

// 128-bit random serial as hex. Top bit cleared so the DER INTEGER stays
// positive (Go >= 1.23 rejects negative serials); first byte non-zero so the
// encoding is minimal and the serial keeps its full entropy-derived length.
export function randomSerialHex(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[0] = bytes[0]! & 0x7f;
    if (bytes[0] !== 0) return bytes.toString('hex');
  }
}
