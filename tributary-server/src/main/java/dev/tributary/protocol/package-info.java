/**
 * The Centrifugo client protocol v2 (JSON): command decoding, reply and push encoding, error
 * codes. Pure functions, callable from any thread; see docs/PROTOCOL.md.
 */
package dev.tributary.protocol;
