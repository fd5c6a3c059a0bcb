import type { TCommand } from '../types';
import check from './check';
import fmt from './fmt';
import importCommand from './import';
import meshes from './meshes';
import perf from './perf';
import render from './render';
import schema from './schema';
import validate from './validate';

/** Every command, by name. A new command is one file in this folder and one line here. */
export const COMMANDS: Record<string, TCommand> = {
  validate,
  fmt,
  schema,
  import: importCommand,
  render,
  meshes,
  check,
  perf,
};
