import 'reflect-metadata';
import { runService } from '@lnbx/messaging';
import { xeroExporter } from './service';

runService(xeroExporter);
