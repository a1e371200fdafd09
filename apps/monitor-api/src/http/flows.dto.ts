import { FLOWS, LNB_STATUSES, type Flow } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { scheduleProblems, type ScheduleProblem } from '@lnbx/scheduling';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateBy, ValidateIf, ValidationArguments,
} from 'class-validator';

/** A `:flow` path parameter: one of the flows, else a 400 naming it. */
@Injectable()
export class FlowPipe implements PipeTransform<string, Flow> {
  transform(value: string, _meta: ArgumentMetadata): Flow {
    if (!(FLOWS as readonly string[]).includes(value)) throw new BadRequestException([`flow must be one of the following values: ${FLOWS.join(', ')}`]);
    return value as Flow;
  }
}

/**
 * Both schedule fields are checked by @lnbx/scheduling, the module the poller checks and fires by, so
 * what the API accepts the poller accepts; each field reports the module's problem for that field.
 * Checked once per body: proving that an expression never fires searches croner's calendar to its end.
 */
const checked = new WeakMap<object, ScheduleProblem[]>();
function scheduleProblem(field: ScheduleProblem['field'], a?: ValidationArguments): string | undefined {
  const o = (a?.object ?? {}) as Partial<Record<keyof ScheduleDto, unknown>>;
  let problems = checked.get(o);
  if (!problems) {
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    problems = scheduleProblems({ enabled: o.enabled === true, cron: text(o.cron), timeZone: text(o.timeZone) });
    checked.set(o, problems);
  }
  return problems.find((p) => p.field === field)?.message;
}

/** A value that is not a string is IsString's to report. */
const IsValidScheduleField = (field: ScheduleProblem['field']) => ValidateBy({
  name: `isSchedule${field}`,
  validator: {
    validate: (_v: unknown, a?: ValidationArguments) => scheduleProblem(field, a) === undefined,
    defaultMessage: (a?: ValidationArguments) => scheduleProblem(field, a) ?? `${field} is not valid`,
  },
});

export class ScheduleDto {
  @ApiProperty({ description: 'false turns the schedule off' }) @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({
    example: '0 6 * * 1-5',
    description: 'Exactly 5 fields: minute hour day-of-month month day-of-week (no seconds); must fire within 10 years; required when enabled',
  })
  @ValidateIf((o: ScheduleDto) => o.enabled === true || (o.cron !== undefined && o.cron !== null))
  @IsString() @MaxLength(120) @IsValidScheduleField('cron')
  cron?: string | null;
  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'IANA time zone; UTC when absent' })
  @IsOptional() @IsString() @MaxLength(64) @IsValidScheduleField('timeZone')
  timeZone?: string | null;
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const list = (each: number) => [IsArray(), ArrayMaxSize(1000), IsString({ each: true }), MaxLength(each, { each: true })];
const apply = (decorators: PropertyDecorator[]): PropertyDecorator => (target, key) => decorators.forEach((d) => d(target, key));

const NotBefore = (other: 'dateFrom') => ValidateBy({
  name: 'notBefore',
  validator: {
    validate: (v: unknown, a?: ValidationArguments) => {
      const from = (a?.object as Record<string, unknown>)[other];
      return typeof v !== 'string' || typeof from !== 'string' || from <= v;
    },
    defaultMessage: () => `dateTo must not be before ${other}`,
  },
});

export class SelectionDto {
  @ApiPropertyOptional({ type: [String], enum: LNB_STATUSES, description: 'LNB statuses to export; empty: any' })
  @IsOptional() @IsArray() @IsIn(LNB_STATUSES, { each: true }) statuses: string[] = [];
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @Matches(DATE, { message: 'dateFrom must be a date YYYY-MM-DD' }) dateFrom?: string | null;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @Matches(DATE, { message: 'dateTo must be a date YYYY-MM-DD' }) @NotBefore('dateFrom') dateTo?: string | null;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @apply(list(120)) includeRetailers: string[] = [];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @apply(list(120)) excludeRetailers: string[] = [];
  @ApiPropertyOptional({ type: [String], example: ['EUR'] }) @IsOptional() @IsArray() @Matches(/^[A-Z]{3}$/, { each: true, message: 'currencies must be ISO codes such as EUR' }) currencies: string[] = [];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @apply(list(120)) onlyReferences: string[] = [];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @apply(list(120)) holdBack: string[] = [];
}
