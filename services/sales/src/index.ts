export { salesService } from './service';
export { ReminderScheduler } from './tasks/reminder-scheduler';
