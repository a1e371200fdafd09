import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, IsOptional, IsString, ValidateNested } from 'class-validator';
import { FLOWS, Flow } from '../../common/flow';
import { defineEvent } from '../../define-event';

/** Which LNB documents a flow exports. Empty lists mean "no restriction". */
export class SelectionRules {
  /** LNB statuses to export, e.g. ["final"] (never pro forma). */
  @IsArray() @IsString({ each: true }) statuses!: string[];
  /** Inclusive bounds on the invoice date (YYYY-MM-DD). */
  @IsOptional() @IsISO8601() dateFrom?: string | null;
  @IsOptional() @IsISO8601() dateTo?: string | null;
  @IsArray() @IsString({ each: true }) includeRetailers!: string[];
  @IsArray() @IsString({ each: true }) excludeRetailers!: string[];
  @IsArray() @IsString({ each: true }) currencies!: string[];
  /** Export only these references, when not empty. */
  @IsArray() @IsString({ each: true }) onlyReferences!: string[];
  /** Never export these, not even when a manual run names them. */
  @IsArray() @IsString({ each: true }) holdBack!: string[];
}

export class SelectionValue {
  @IsIn(FLOWS) flow!: Flow;
  @ValidateNested() @Type(() => SelectionRules) rules!: SelectionRules;
  @IsString() requestedBy!: string;
}

/** ChangeSelection, from monitor-api. */
export namespace SelectionChangeRequested {
  export class Value extends SelectionValue {}
  export const definition = defineEvent({
    type: 'SelectionChangeRequested',
    schemaVersion: 1,
    topic: 'lnb.selection.change-requested.v1',
    Value,
    kind: 'command',
  });
}

export namespace SelectionChanged {
  export class Value extends SelectionValue {}
  export const definition = defineEvent({
    type: 'SelectionChanged',
    schemaVersion: 1,
    topic: 'lnb.selection.changed.v1',
    Value,
    kind: 'event',
  });
}
