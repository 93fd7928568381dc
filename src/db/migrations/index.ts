// Migrations, listed explicitly so that compiled and test runs find the same ones.
import { Migration20261122000001Foundation } from './Migration20261122000001Foundation';

export const migrationsList = [
  { name: 'Migration20261122000001Foundation', class: Migration20261122000001Foundation },
];
