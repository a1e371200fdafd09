import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsISO8601, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { defineEvent } from '../../define-event';

export class OrgTaxRate {
  @IsString() taxType!: string;
  @IsString() name!: string;
  @IsNumber() rate!: number;
  @IsString() status!: string;
  @IsBoolean() canApplyToRevenue!: boolean;
}

export class OrgAccount {
  @IsString() code!: string;
  @IsString() name!: string;
  @IsString() status!: string;
  @IsString() type!: string;
  @IsOptional() @IsString() systemAccount?: string | null;
}

export class OrgTrackingCategory {
  @IsString() name!: string;
  @IsString() status!: string;
  @IsArray() @IsString({ each: true }) options!: string[];
}

/** The Xero organisation's reference data, for the mapper's pre-flight checks (published on connect and on a schedule). */
export namespace OrgReferenceDataPublished {
  export class Value {
    @IsString() xeroTenantId!: string;
    @IsString() organisationName!: string;
    @IsString() baseCurrency!: string;
    @IsArray() @IsString({ each: true }) currencies!: string[];
    @IsArray() @ValidateNested({ each: true }) @Type(() => OrgTaxRate) taxRates!: OrgTaxRate[];
    @IsArray() @ValidateNested({ each: true }) @Type(() => OrgAccount) accounts!: OrgAccount[];
    @IsArray() @ValidateNested({ each: true }) @Type(() => OrgTrackingCategory) trackingCategories!: OrgTrackingCategory[];
    @IsISO8601() fetchedAt!: string;
  }
  export const definition = defineEvent({
    type: 'OrgReferenceDataPublished',
    schemaVersion: 1,
    topic: 'xero.org.reference-data-published.v1',
    Value,
    kind: 'event',
  });
}
