// Every path and query parameter the exporter's HTTP handlers read, checked before they read it (a NUL
// in ?state= used to reach PostgreSQL and come back as a 500): a 400 naming the parameter instead.
import { inputProblems } from '@lnbx/http-input';
import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

@Injectable()
export class InputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const problems = inputProblems(value, metadata);
    if (problems.length) throw new BadRequestException(problems);
    return value;
  }
}
