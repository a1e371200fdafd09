// One document mapped as the service maps it: the pure mapping, with the mapping configuration and the
// connection's Xero reference data the service holds now. The handler times it and records the outcome.
import { Injectable } from '@nestjs/common';
import { type MapInput, mapDocument, type MapResult } from '../domain';
import { MapperState } from '../store/mapper.state';

@Injectable()
export class DocumentMapping {
  constructor(private readonly state: MapperState) {}

  map(connectionId: string, input: MapInput): MapResult {
    return mapDocument(input, this.state.mapping, this.state.referenceFor(connectionId));
  }
}
