/** DI tokens of what the platform provides to every service module. */
export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
export const EVENT_BUS = Symbol('EVENT_BUS');
export const LOGGER = Symbol('LOGGER');
export const SERVICE_INFO = Symbol('SERVICE_INFO');
