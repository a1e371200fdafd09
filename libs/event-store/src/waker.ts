// Waiting that can be cut short: the relay sleeps between polls, and a NOTIFY, notify() or stop()
// wakes it at once. A wake with nobody waiting is kept, so one that lands mid-batch is not lost.
export class Waker {
  private pending = false;
  private wakeUp?: () => void;

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}
