// Collects VALIDATION userErrors for one input so the caller hears about every bad field at once.
import { UserError, UserErrorCode, UserErrors } from './errors';

export class InputChecks {
  private readonly errors: UserError[] = [];

  /** Records `message` for `field` unless `ok`. */
  check(ok: boolean, field: string, message: string): this {
    if (!ok) this.errors.push(new UserError(UserErrorCode.VALIDATION, message, field));
    return this;
  }

  /** Each code must be known to `lookup`. */
  known(
    codes: readonly string[] | null | undefined,
    field: string,
    lookup: (code: string) => unknown,
    what: string,
  ): this {
    for (const code of codes ?? [])
      this.check(!!lookup(code), field, `Unknown ${what} code ${JSON.stringify(code).slice(0, 60)}.`);
    return this;
  }

  /** Throws the collected errors, if any: nothing has been written yet. */
  done(): void {
    if (this.errors.length) throw new UserErrors(this.errors);
  }
}

export const uniq = <T>(xs: readonly T[]) => [...new Set(xs)];
