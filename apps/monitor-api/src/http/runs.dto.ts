import { FLOWS, Flow, RUN_MODES, RunMode } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { LOG_LEVELS, type LogLevel } from '../domain/log-lines';
import { RUN_STATUSES, type RunStatus } from '../domain/runs';
import { apply, IntegerQuery, LeftOutOrValid } from './params';

export const CODE_PATTERN = /^[A-Z]+\.[A-Z0-9_]+$/;

/** An optional `code` query parameter: a stable error code such as LNB.MISSING_EAN13. */
export const CodeQuery = (): PropertyDecorator =>
  apply([
    ApiPropertyOptional({ type: String, pattern: CODE_PATTERN.source, maxLength: 120, example: 'LNB.MISSING_EAN13' }),
    IsOptional(),
    MaxLength(120),
    Matches(CODE_PATTERN, { message: 'code must look like DOMAIN.CODE, e.g. LNB.MISSING_EAN13' }),
  ]);

/** LNB reference numbers named in a request: at least one (an empty list is refused, never read as "all"). */
export const REFERENCES = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 120 }, minItems: 1, maxItems: 1000 } as const;

export class RequestRunDto {
  @ApiProperty({ enum: FLOWS }) @IsIn(FLOWS) flow!: Flow;
  @ApiPropertyOptional({ enum: RUN_MODES, default: 'export', description: 'preview: mapped but not sent to Xero; see GET /api/runs/{runId}/preview' })
  @LeftOutOrValid()
  @IsIn(RUN_MODES)
  mode?: RunMode;
  @ApiPropertyOptional({
    ...REFERENCES,
    description: 'LNB reference numbers: export exactly these ("export now"); leave it out to run over every selected document',
  })
  @LeftOutOrValid()
  @IsArray()
  @ArrayMinSize(1, { message: 'documents must name at least one LNB reference: leave documents out to run over every selected document' })
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(120, { each: true })
  documents?: string[];
  @ApiPropertyOptional({
    default: false,
    description:
      '"Full re-check": read every document and its order in Le New Black again, instead of only what changed since the last run. Not with documents.',
  })
  @LeftOutOrValid()
  @IsBoolean()
  fullRecheck?: boolean;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ enum: FLOWS }) @IsOptional() @IsIn(FLOWS) flow?: Flow;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @IntegerQuery({ min: 1, max: Number.MAX_SAFE_INTEGER, description: 'Only runs numbered below this (paging)' }) before?: number;
  @IntegerQuery({ min: 1, max: 200, default: 50 }) limit?: number;
}

export class RunLogQuery {
  @ApiPropertyOptional({ enum: LOG_LEVELS }) @IsOptional() @IsIn(LOG_LEVELS) level?: LogLevel;
  @CodeQuery() code?: string;
  @ApiPropertyOptional({ type: String, maxLength: 200, description: 'Text to find in the message, code or document reference' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
  @IntegerQuery({ min: 1, max: 10_000, default: 2000 }) limit?: number;
}
