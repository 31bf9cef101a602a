// The list of commands `acsync` offers, in the order --help shows them.
import type { Command } from 'commander';
import { register as resources } from './resources.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [resources];
