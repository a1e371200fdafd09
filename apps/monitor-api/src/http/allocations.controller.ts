import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength, MinLength } from 'class-validator';
import { Caller, Principal, Roles, Scope, Scoped } from '../auth/auth';
import { REFERENCES } from './runs.dto';
import { LeftOutOrValid } from './params';
import { AllocationChecks } from './allocation-checks';

export class CheckAllocationsDto {
  @ApiPropertyOptional({
    ...REFERENCES,
    example: ['CN-000002'],
    description: 'LNB reference numbers of credit notes to check; leave it out to check every waiting allocation (an empty list is refused)',
  })
  @LeftOutOrValid()
  @IsArray()
  @ArrayMinSize(1, { message: 'documents must name at least one credit note: leave documents out to check every waiting allocation' })
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(120, { each: true })
  documents?: string[];
}

export interface AllocationCheckAccepted {
  requestedBy: string;
  /** The credit notes named; null for every waiting allocation. */
  documents: string[] | null;
}

@ApiTags('allocations')
@ApiSecurity('api-key')
@Scoped()
@Controller('api/allocations')
export class AllocationsController {
  constructor(private readonly checks: AllocationChecks) {}

  @Post('check')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary:
      'Check allocations now: the exporter looks again at once at the credit notes whose allocation to their invoice waits (e.g. for both to be approved in Xero)',
  })
  @ApiAcceptedResponse({ description: "The check was asked for; what it finds shows in each credit note's allocation and history" })
  @ApiBadRequestResponse({ description: 'The body is not { documents?: string[] }; the message names the field' })
  async check(@Scope() connection: string, @Body() body: CheckAllocationsDto, @Caller() who: Principal): Promise<AllocationCheckAccepted> {
    const { documents } = await this.checks.request(connection, { requestedBy: who.name, documents: body.documents });
    return { requestedBy: who.name, documents };
  }
}
