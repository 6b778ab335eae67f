/**
 * `selfcheck staff-password`: makes the scrypt hash of a staff password to paste into the config's
 * `staff.users[].passwordHash`. The password is read from a prompt (not echoed, asked twice) or from
 * standard input when it is piped — never from the command line, where `ps` and shell history would show it.
 */
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { hashPassword } from "../staff/password.ts";
import { CliError } from "./options.ts";

/** Short passwords fall to guessing even through scrypt; the login's rate limit is the other half. */
export const MIN_PASSWORD_LENGTH = 8;

export function registerStaffPasswordCommand(program: Command): void {
  program
    .command("staff-password")
    .description(
      "print the hash of a staff password for the config's staff.users (reads the password from a prompt or stdin)",
    )
    .action(async () => {
      const password = process.stdin.isTTY ? await promptTwice() : await readPiped();
      if ([...password].length < MIN_PASSWORD_LENGTH) {
        throw new CliError(
          "CLI_INPUT_INVALID",
          `the password is ${[...password].length} characters; a staff password needs at least ${MIN_PASSWORD_LENGTH}. Choose a longer one.`,
        );
      }
      console.log(await hashPassword(password));
    });
}

/** The first line of piped input (`echo "$PW" | selfcheck staff-password`), without its line end. */
async function readPiped(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString("utf8");
  return text.split(/\r?\n/)[0] ?? "";
}

async function promptTwice(): Promise<string> {
  const first = await promptHidden("Staff password: ");
  const again = await promptHidden("Again: ");
  if (first !== again) throw new CliError("CLI_INPUT_INVALID", "the two passwords differ. Run it again.");
  return first;
}

/** Asks on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput(text: string): void };
  let asked = false;
  // readline echoes through _writeToOutput: let the question through, hide the typing.
  output._writeToOutput = (text: string) => {
    if (!asked) process.stderr.write(text);
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      process.stderr.write("\n");
      rl.close();
      resolve(answer);
    });
    asked = true;
  });
}
