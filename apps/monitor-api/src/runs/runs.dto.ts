import { FLOWS, Flow, RUN_MODES, RunMode } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { LOG_LEVELS, type LogLevel } from '../domain/log-lines';
import { RUN_STATUSES, type RunStatus } from '../domain/runs';

export const CODE_PATTERN = /^[A-Z]+\.[A-Z0-9_]+$/;

export class RequestRunDto {
  @ApiProperty({ enum: FLOWS }) @IsIn(FLOWS) flow!: Flow;
  @ApiPropertyOptional({ enum: RUN_MODES, default: 'export', description: 'preview: mapped but not sent to Xero; see GET /api/runs/{runId}/preview' })
  @IsOptional() @IsIn(RUN_MODES) mode?: RunMode;
  @ApiPropertyOptional({ type: [String], description: 'LNB reference numbers: export exactly these ("export now")' })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(120, { each: true }) documents?: string[];
  @ApiPropertyOptional({
    default: false,
    description: '"Full re-check": read every document and its order in Le New Black again, instead of only what changed since the last run. Not with documents.',
  })
  @IsOptional() @IsBoolean() fullRecheck?: boolean;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ enum: FLOWS }) @IsOptional() @IsIn(FLOWS) flow?: Flow;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @ApiPropertyOptional({ description: 'Only runs numbered below this (paging)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) before?: number;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class RunLogQuery {
  @ApiPropertyOptional({ enum: LOG_LEVELS }) @IsOptional() @IsIn(LOG_LEVELS) level?: LogLevel;
  @ApiPropertyOptional({ example: 'LNB.MISSING_EAN13' }) @IsOptional() @Matches(CODE_PATTERN, { message: 'code must look like DOMAIN.CODE, e.g. LNB.MISSING_EAN13' }) code?: string;
  @ApiPropertyOptional({ description: 'Text to find in the message, code or document reference' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ default: 2000, maximum: 10000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) limit?: number;
}
