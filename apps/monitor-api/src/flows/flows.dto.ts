import { FLOWS, LNB_STATUSES, type Flow } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateBy, ValidateIf, ValidationArguments,
} from 'class-validator';
import { cronProblem, timeZoneProblem } from '../domain/schedule';

/** A `:flow` path parameter: one of the flows, else a 400 naming it. */
@Injectable()
export class FlowPipe implements PipeTransform<string, Flow> {
  transform(value: string, _meta: ArgumentMetadata): Flow {
    if (!(FLOWS as readonly string[]).includes(value)) throw new BadRequestException([`flow must be one of the following values: ${FLOWS.join(', ')}`]);
    return value as Flow;
  }
}

const IsCron = () => ValidateBy({
  name: 'isCron',
  validator: {
    validate: (v: unknown) => typeof v === 'string' && cronProblem(v) === null,
    defaultMessage: (a?: ValidationArguments) => cronProblem(String(a?.value ?? '')) ?? 'cron is not valid',
  },
});

const IsTimeZone = () => ValidateBy({
  name: 'isTimeZone',
  validator: {
    validate: (v: unknown) => typeof v === 'string' && timeZoneProblem(v) === null,
    defaultMessage: (a?: ValidationArguments) => timeZoneProblem(String(a?.value ?? '')) ?? 'timeZone is not valid',
  },
});

export class ScheduleDto {
  @ApiProperty({ description: 'false turns the schedule off' }) @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({ example: '0 6 * * 1-5', description: '5 or 6 fields; required when enabled' })
  @ValidateIf((o: ScheduleDto) => o.enabled === true || (o.cron !== undefined && o.cron !== null))
  @IsString() @IsNotEmpty({ message: 'cron is required when the schedule is enabled' }) @MaxLength(120) @IsCron()
  cron?: string | null;
  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'IANA time zone; the server zone when absent' })
  @IsOptional() @IsString() @MaxLength(64) @IsTimeZone()
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
