// The list of commands `acsync` offers, in the order --help shows them.
import type { Command } from 'commander';
import { register as check } from './check.ts';
import { register as demo } from './demo.ts';
import { register as emulator } from './emulator.ts';
import { register as fleet } from './fleet.ts';
import { register as history } from './history.ts';
import { register as init } from './init.ts';
import { register as query } from './query.ts';
import { register as reset } from './reset.ts';
import { register as resources } from './resources.ts';
import { register as run } from './run.ts';
import { register as serve } from './serve.ts';
import { register as sync } from './sync.ts';
import { register as worker } from './worker.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  init,
  check,
  sync,
  run,
  serve,
  fleet,
  worker,
  history,
  reset,
  query,
  resources,
  emulator,
  demo,
];
