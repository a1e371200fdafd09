import { FLOWS, LNB_STATUSES, type Flow } from '@lnbx/contracts';
import { isCalendarDay } from '@lnbx/http-input';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { scheduleProblems, type ScheduleProblem } from '@lnbx/scheduling';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import { apply, LeftOutOrValid } from './params';

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
    // Validity only: how often a schedule may fire is the deployment's rule, applied by the controller.
    problems = scheduleProblems({ enabled: o.enabled === true, cron: text(o.cron), timeZone: text(o.timeZone) }, new Date(), { minIntervalMinutes: 0 });
    checked.set(o, problems);
  }
  return problems.find((p) => p.field === field)?.message;
}

/** A value that is not a string is IsString's to report. */
const IsValidScheduleField = (field: ScheduleProblem['field']) =>
  ValidateBy({
    name: `isSchedule${field}`,
    validator: {
      validate: (_v: unknown, a?: ValidationArguments) => scheduleProblem(field, a) === undefined,
      defaultMessage: (a?: ValidationArguments) => scheduleProblem(field, a) ?? `${field} is not valid`,
    },
  });

export class ScheduleDto {
  @ApiProperty({ description: 'false turns the schedule off' }) @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 120,
    example: '0 6 * * 1-5',
    description: 'Exactly 5 fields: minute hour day-of-month month day-of-week (no seconds); must fire within 10 years; required when enabled',
  })
  @ValidateIf((o: ScheduleDto) => o.enabled === true || (o.cron !== undefined && o.cron !== null))
  @IsString()
  @MaxLength(120)
  @IsValidScheduleField('cron')
  cron?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 64,
    example: 'Europe/Paris',
    description: "IANA time zone; the connection's when absent (UTC for a connection the monitor does not know)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsValidScheduleField('timeZone')
  timeZone?: string | null;
}

const MAX_ITEMS = 1000;
const LIST: ApiPropertyOptions = { type: 'array', items: { type: 'string', maxLength: 120 }, maxItems: MAX_ITEMS };
const list = (each: number) => [IsArray(), ArrayMaxSize(MAX_ITEMS), IsString({ each: true }), MaxLength(each, { each: true })];

const NotBefore = (other: 'dateFrom') =>
  ValidateBy({
    name: 'notBefore',
    validator: {
      validate: (v: unknown, a?: ValidationArguments) => {
        const from = (a?.object as Record<string, unknown>)[other];
        return typeof v !== 'string' || typeof from !== 'string' || from <= v;
      },
      defaultMessage: () => `dateTo must not be before ${other}`,
    },
  });

/** Every rule field, for PATCH to name what it changes and for a refusal to name what is missing. */
export const SELECTION_FIELDS = ['statuses', 'dateFrom', 'dateTo', 'includeRetailers', 'excludeRetailers', 'currencies', 'onlyReferences', 'holdBack'] as const;

/** PATCH leaves out what it does not change, but a field it names must hold a value (null only for dates). */
const Present = (required: boolean, message: string): PropertyDecorator => (required ? IsDefined({ message }) : LeftOutOrValid());
const STATUSES = (required: boolean) =>
  apply([
    Present(required, 'statuses is required: list the LNB statuses to export (proforma, final, cancelled)'),
    IsArray(),
    ArrayNotEmpty({ message: 'statuses must name at least one LNB status: an empty list would export every status' }),
    IsIn(LNB_STATUSES, { each: true }),
  ]);
/** A date, or null for no limit; when required, null must be said (a field left out is a mistake, not "no limit"). */
const DATE_FIELD = (name: 'dateFrom' | 'dateTo', required: boolean) =>
  ValidateBy({
    name: 'dateOrNull',
    validator: {
      validate: (v: unknown) => (v === undefined ? !required : v === null || isCalendarDay(v)),
      defaultMessage: (a?: ValidationArguments) =>
        a?.value === undefined
          ? `${name} is required: a date YYYY-MM-DD, or null for no limit`
          : `${name} must be a day of the calendar YYYY-MM-DD, or null for no limit`,
    },
  });
const LIST_FIELD = (name: string, each: number, required: boolean) => apply([Present(required, `${name} is required: a list, [] for none`), ...list(each)]);
const CURRENCY = /^[A-Z]{3}$/;
const CURRENCIES = (required: boolean) =>
  apply([
    Present(required, 'currencies is required: a list, [] for any currency'),
    IsArray(),
    Matches(CURRENCY, { each: true, message: 'currencies must be ISO codes such as EUR' }),
  ]);

/**
 * PUT: the whole selection, every field said. A field left out is refused rather than read as "no
 * restriction" (which would export pro forma and cancelled documents and empty the hold-back list).
 */
export class SelectionDto {
  @ApiProperty({ type: [String], enum: LNB_STATUSES, minItems: 1, description: 'LNB statuses to export; at least one' })
  @STATUSES(true)
  statuses!: string[];
  @ApiProperty({ example: '2026-01-01', nullable: true, type: String, format: 'date', description: 'null: no lower limit' })
  @DATE_FIELD('dateFrom', true)
  dateFrom!: string | null;
  @ApiProperty({ example: '2026-12-31', nullable: true, type: String, format: 'date', description: 'null: no upper limit' })
  @DATE_FIELD('dateTo', true)
  @NotBefore('dateFrom')
  dateTo!: string | null;
  @ApiProperty({ ...LIST, description: '[]: any retailer' }) @LIST_FIELD('includeRetailers', 120, true) includeRetailers!: string[];
  @ApiProperty({ ...LIST, description: '[]: none excluded' }) @LIST_FIELD('excludeRetailers', 120, true) excludeRetailers!: string[];
  @ApiProperty({ type: [String], pattern: CURRENCY.source, example: ['EUR'], description: '[]: any currency' }) @CURRENCIES(true) currencies!: string[];
  @ApiProperty({ ...LIST, description: '[]: every document' }) @LIST_FIELD('onlyReferences', 120, true) onlyReferences!: string[];
  @ApiProperty({ ...LIST, description: '[]: none held back' }) @LIST_FIELD('holdBack', 120, true) holdBack!: string[];
}

/** PATCH: only the fields it names change, on top of the latest rules; at least one field. */
export class SelectionPatchDto {
  @ApiPropertyOptional({ type: [String], enum: LNB_STATUSES, minItems: 1 }) @STATUSES(false) statuses?: string[];
  @ApiPropertyOptional({ example: '2026-01-01', nullable: true, type: String, format: 'date' }) @DATE_FIELD('dateFrom', false) dateFrom?: string | null;
  @ApiPropertyOptional({ example: '2026-12-31', nullable: true, type: String, format: 'date' }) @DATE_FIELD('dateTo', false) dateTo?: string | null;
  @ApiPropertyOptional(LIST) @LIST_FIELD('includeRetailers', 120, false) includeRetailers?: string[];
  @ApiPropertyOptional(LIST) @LIST_FIELD('excludeRetailers', 120, false) excludeRetailers?: string[];
  @ApiPropertyOptional({ type: [String], pattern: CURRENCY.source, example: ['EUR'] }) @CURRENCIES(false) currencies?: string[];
  @ApiPropertyOptional(LIST) @LIST_FIELD('onlyReferences', 120, false) onlyReferences?: string[];
  @ApiPropertyOptional(LIST) @LIST_FIELD('holdBack', 120, false) holdBack?: string[];
}
