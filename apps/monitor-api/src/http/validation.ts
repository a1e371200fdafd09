// The validation every request's path parameters, query and body go through: first what no parameter
// or body string of this API can hold (control characters, lone surrogates, more than 256 characters in
// a path parameter or 1,000 in a query parameter, a body nested deeper than 32 levels: @lnbx/http-input),
// then the DTO: unknown fields refused, values turned into the DTO's types, and a field that is missing
// said once (not once per rule it then breaks). Each refusal is a 400 naming the parameter or field.
import { inputProblems } from '@lnbx/http-input';
import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { CONNECTION_PARAM } from '../auth/auth';

export class MonitorValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Before the DTO: class-transformer and class-validator recurse, and PostgreSQL refuses a NUL.
    const problems = inputProblems(value, metadata);
    if (problems.length) throw new BadRequestException(problems);
    // The connection a request is scoped to is the guard's to read (auth.ts, resolveScope), not a query DTO's field.
    if (metadata.type === 'query' && value && typeof value === 'object' && CONNECTION_PARAM in value) {
      const { [CONNECTION_PARAM]: _scope, ...rest } = value as Record<string, unknown>;
      return super.transform(rest, metadata);
    }
    return super.transform(value, metadata);
  }

  override createExceptionFactory(): (errors?: ValidationError[]) => unknown {
    const base = super.createExceptionFactory();
    return (errors = []) => base(errors.map(missingSaidOnce));
  }
}

/** A field that is not there breaks IsDefined and every rule after it: only the first is worth reading. */
function missingSaidOnce(error: ValidationError): ValidationError {
  const missing = error.constraints?.isDefined;
  return Object.assign(new ValidationError(), error, {
    constraints: missing === undefined ? error.constraints : { isDefined: missing },
    children: error.children?.map(missingSaidOnce),
  });
}
