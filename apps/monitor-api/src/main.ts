import 'reflect-metadata';
import { runService } from '@lnbx/messaging';
import { monitorApi } from './service';

runService(monitorApi);
