import 'reflect-metadata';
import { runService } from '@lnbx/messaging';
import { lnbPoller } from './service';

runService(lnbPoller);
