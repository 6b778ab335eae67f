import type { FeedResult, FrameParser } from "../../../../protocols/rfid/readers/framing.ts";

/** Feeds `stream` to `parser` cut at the given chunk sizes (the rest in one piece) and collects what came out. */
export function feedInChunks<F>(parser: FrameParser<F>, stream: Uint8Array, cuts: readonly number[]): FeedResult<F> {
  const out: FeedResult<F> = { frames: [], errors: [] };
  let at = 0;
  for (const n of [...cuts, stream.length]) {
    const { frames, errors } = parser.feed(stream.subarray(at, at + n));
    out.frames.push(...frames);
    out.errors.push(...errors);
    at += n;
    if (at >= stream.length) break;
  }
  return out;
}
