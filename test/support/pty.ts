/** The PTY pair lives with the simulators (production code uses it too); tests keep importing it from here. */
export { openPtyPair, PtyError, type PtyPair, type PtySide } from "../../simulators/devices/pty.ts";
