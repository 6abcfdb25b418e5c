import type { HttpService, HttpServiceOptions } from './types';

/** Build (not start) a service; add routes, then `await service.start()`. */
export declare function createHttpService(options: HttpServiceOptions): HttpService;
