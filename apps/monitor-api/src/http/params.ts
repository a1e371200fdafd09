// Decorators that say a rule once to both readers: the validator that enforces it and the OpenAPI
// document that tells it (which the fuzz test reads to know what must be refused).
import { isCalendarDay, strictInteger } from '@lnbx/http-input';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';

/** Several property decorators as one. */
export const apply =
  (decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) =>
    decorators.forEach((d) => d(target, key));

/** A body field that may be left out, but when given holds a value: null is not "left out" (IsOptional would take it). */
export const LeftOutOrValid = (): PropertyDecorator => ValidateIf((_o: object, v: unknown) => v !== undefined);

/**
 * An optional integer query parameter within [min, max]: decimal digits only (`1e20`, `0x10` and ``
 * are refused, not read as numbers), so the value always fits PostgreSQL's bigint.
 */
export const IntegerQuery = (o: { min: number; max: number; default?: number; description?: string }): PropertyDecorator =>
  apply([
    ApiPropertyOptional({ type: 'integer', minimum: o.min, maximum: o.max, default: o.default, description: o.description }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (strictInteger(value) ?? value) : value)),
    ValidateBy({
      name: 'isIntegerWithin',
      validator: {
        validate: (v: unknown) => Number.isSafeInteger(v) && (v as number) >= o.min && (v as number) <= o.max,
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must be an integer from ${o.min} to ${o.max}`,
      },
    }),
  ]);

/** A day the calendar has (YYYY-MM-DD); 2026-02-30 has the shape and is refused. */
export const IsCalendarDay = () =>
  ValidateBy({
    name: 'isCalendarDay',
    validator: {
      validate: (v: unknown) => isCalendarDay(v),
      defaultMessage: (a?: ValidationArguments) => `${a?.property} must be a date YYYY-MM-DD that the calendar has`,
    },
  });

/** An optional day query parameter. */
export const DayQuery = (description: string): PropertyDecorator =>
  apply([ApiPropertyOptional({ type: String, format: 'date', description }), IsOptional(), IsCalendarDay()]);
