import { FLOWS, Flow, RUN_MODES, RunMode } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class RequestRunDto {
  @ApiProperty({ enum: FLOWS }) @IsIn(FLOWS) flow!: Flow;
  @ApiPropertyOptional({ enum: RUN_MODES, default: 'export' }) @IsOptional() @IsIn(RUN_MODES) mode?: RunMode;
  @ApiPropertyOptional({ type: [String], description: 'LNB reference numbers: export exactly these ("export now")' })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @MaxLength(120, { each: true }) documents?: string[];
}
