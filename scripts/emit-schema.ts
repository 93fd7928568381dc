// Writes the emitted SDL to schema/schema.graphql (checked in; a test fails when it drifts).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printAppSchema } from '../src/app/schema';

printAppSchema().then((sdl) => {
  const file = path.resolve(__dirname, '../../schema/schema.graphql');
  writeFileSync(file, sdl);
  console.log(`wrote ${file}`);
});
