// One document mapped as the service maps it: the pure mapping, with its connection's mapping
// configuration and Xero reference data as the service holds them now. The handler times it and records the outcome.
import { Injectable } from '@nestjs/common';
import { type MapInput, mapDocument, type MapResult } from '../domain';
import { MapperState } from '../store/mapper.state';

@Injectable()
export class DocumentMapping {
  constructor(private readonly state: MapperState) {}

  map(connectionId: string, input: MapInput): MapResult {
    return mapDocument(input, this.state.mappingFor(connectionId).config, this.state.referenceFor(connectionId));
  }
}
