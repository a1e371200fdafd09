// The validation every request body and query goes through: unknown fields refused, values turned
// into the DTO's types, and a field that is missing said once (not once per rule it then breaks).
import { ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';

export class MonitorValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
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
