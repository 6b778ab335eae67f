/**
 * Success and failure cues made with WebAudio, so there are no sound files to ship. Browsers start an
 * AudioContext suspended until the page has been touched; a kiosk is touched before anything can fail.
 */
export type Tone = "success" | "failure" | "info";

/** Notes per cue: frequency (Hz) and length (s). Rising for success, low and falling for failure. */
const CUES: Record<Tone, { wave: OscillatorType; notes: [number, number][] }> = {
  success: {
    wave: "sine",
    notes: [
      [660, 0.09],
      [990, 0.14],
    ],
  },
  failure: {
    wave: "triangle",
    notes: [
      [330, 0.16],
      [220, 0.28],
    ],
  },
  info: { wave: "sine", notes: [[740, 0.12]] },
};

let context: AudioContext | undefined;

export function playTone(tone: Tone): void {
  if (typeof AudioContext === "undefined") return;
  context ??= new AudioContext();
  if (context.state === "suspended") void context.resume().catch(() => undefined);
  const { wave, notes } = CUES[tone];
  let at = context.currentTime + 0.01;
  for (const [frequency, length] of notes) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = wave;
    osc.frequency.value = frequency;
    // A short fade in and out keeps each note from clicking.
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.25, at + 0.01);
    gain.gain.linearRampToValueAtTime(0, at + length);
    osc.connect(gain).connect(context.destination);
    osc.start(at);
    osc.stop(at + length + 0.02);
    at += length + 0.03;
  }
}
