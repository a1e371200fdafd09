// The bodies of /api/connections: each rule said once, to the validator and to the OpenAPI document (which
// the fuzz test reads to know what must be refused). What the domain checks beyond a field's shape (an
// IANA zone, a name of spaces only) is refused there, with a 400 naming the field.
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { MAX_NAME_LENGTH, MAX_REASON_LENGTH } from '../domain/connection';
import { LeftOutOrValid } from './params';

const ID = CONNECTION_ID_PATTERN.source;
const CURRENCY = /^[A-Z]{3}$/;

export class CreateConnectionDto {
  @ApiProperty({ pattern: ID, example: 'acme-uk', description: 'Lower-case letters, digits and dashes; never reused, even once removed' })
  @IsString()
  @Matches(CONNECTION_ID_PATTERN, { message: 'id must be 2 to 63 lower-case letters, digits and dashes, starting with a letter or a digit' })
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_NAME_LENGTH, example: 'Acme UK' })
  @IsString()
  @Length(1, MAX_NAME_LENGTH)
  name!: string;

  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Europe/London', description: 'IANA time zone its schedules and days are read in' })
  @IsString()
  @Length(1, 64)
  timeZone!: string;

  @ApiPropertyOptional({ pattern: CURRENCY.source, example: 'GBP', description: 'ISO 4217 code of its Xero organisation' })
  @LeftOutOrValid()
  @IsString()
  @Matches(CURRENCY, { message: 'baseCurrency must be a three-letter ISO 4217 code such as EUR' })
  baseCurrency?: string;
}

export class ChangeConnectionDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_NAME_LENGTH, example: 'Acme Britain' })
  @LeftOutOrValid()
  @IsString()
  @Length(1, MAX_NAME_LENGTH)
  name?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, example: 'Europe/Dublin' })
  @LeftOutOrValid()
  @IsString()
  @Length(1, 64)
  timeZone?: string;
}

export class PauseConnectionDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_REASON_LENGTH, example: 'Year-end close: nothing goes to Xero until the books are closed' })
  @IsString()
  @Length(1, MAX_REASON_LENGTH)
  reason!: string;
}

export class LnbCredentialsDto {
  @ApiProperty({ minLength: 1, maxLength: 256, description: 'The LNB API client id (the connection shows only its last 4 characters)' })
  @IsString()
  @Length(1, 256)
  clientId!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 1024,
    format: 'password',
    description: 'Checked with LNB at once; kept sealed by the poller, never returned or logged',
  })
  @IsString()
  @Length(1, 1024)
  clientSecret!: string;
}

/** A key's name: says whose it is in the task log ("requested by ..."), unique for good (revoked ones included). */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CONNECTION_KEY_ROLES = ['viewer', 'operator'] as const;

export class CreateKeyDto {
  @ApiProperty({ pattern: KEY_NAME_PATTERN.source, example: 'finance-anna', description: 'Who holds it; shown as who did what' })
  @IsString()
  @Matches(KEY_NAME_PATTERN, { message: 'name must be 1 to 64 letters, digits, dots, dashes and underscores, starting with a letter or a digit' })
  name!: string;

  @ApiProperty({ enum: CONNECTION_KEY_ROLES, description: "viewer reads; operator also runs and changes the connection's settings" })
  @IsIn(CONNECTION_KEY_ROLES)
  role!: (typeof CONNECTION_KEY_ROLES)[number];
}
