import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

/**
 * A reason a finance person can read, with a stable code the task log, the metrics and the UI key on
 * (e.g. `LNB.MISSING_EAN13` + "Missing EAN13 for SKU JKT-001-BLK-M").
 */
export class Problem {
  @Matches(/^[A-Z]+\.[A-Z0-9_]+$/, { message: 'code must look like DOMAIN.CODE' })
  code!: string;

  @IsString()
  message!: string;

  @IsIn(['error', 'warning'])
  severity!: 'error' | 'warning';

  /** Where in the document, when it helps: a field name, a line number, a SKU. */
  @IsOptional()
  @IsString()
  field?: string;
}
