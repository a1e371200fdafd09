import 'reflect-metadata';
import { runService } from '@lnbx/messaging';
import { mapper } from './service';

runService(mapper);
