// The list of commands `acsync` offers, in the order --help shows them.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
