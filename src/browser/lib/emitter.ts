/** A minimal typed event emitter. A listener that throws never breaks the others. */
export interface Emitter<M> {
  on<K extends keyof M>(event: K, fn: (info: M[K]) => void): () => void;
  emit<K extends keyof M>(event: K, info: M[K]): void;
}

export function createEmitter<M>(): Emitter<M> {
  const listeners: { [K in keyof M]?: Array<(info: M[K]) => void> } = {};
  return {
    on(event, fn) {
      const list = (listeners[event] ||= []);
      list.push(fn);
      return () => {
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      };
    },
    emit(event, info) {
      for (const fn of listeners[event] || []) {
        // A site's listener is its own business: its exception must not stop delivery.
        try {
          fn(info);
        } catch {}
      }
    },
  };
}
