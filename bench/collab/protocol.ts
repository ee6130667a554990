/**
 * What bench/collab/run.ts (the conductor) and its client workers say to each other over the
 * child-process IPC channel, plus the few facts both sides must agree on.
 *
 * The channel uses `serialization: 'advanced'` so a worker can hand back its latency samples as a
 * Float64Array instead of a JSON array of half a million numbers.
 */

/** Wire protocol a client speaks: ours and the reference server share y-websocket's, Hocuspocus has its own. */
export type ClientProtocol = 'y-websocket' | 'hocuspocus';

/**
 * Milliseconds on a clock every process on this machine agrees on to well under a millisecond:
 * `timeOrigin` is taken from the wall clock at process start, `now()` is monotonic since then.
 * Writers stamp edits with it and readers subtract it, in different processes.
 */
export const benchClock = (): number => performance.timeOrigin + performance.now();

/** One edit per writer per second, from a tenth of the clients: the load the issue specifies. */
export const WRITE_INTERVAL_MS = 1000;
export const writerCount = (clients: number): number => Math.max(1, Math.round(clients / 10));

/** The cell field writers overwrite; a plain string in the live document, so one edit is one map set. */
export const WRITTEN_FIELD = 'timing';

/**
 * A writer's value: its send time first, so a reader can parse it with parseFloat, then the
 * writer's sequence number so two edits never carry the same value.
 */
export const editValue = (sentAt: number, sequence: number): string => `${sentAt.toFixed(3)}#${sequence}`;

/**
 * An edit value as it appears inside an update on the wire: Yjs writes a string as its plain UTF-8
 * bytes. Captures the send time (13 digits of epoch milliseconds until the year 2286).
 */
export const EDIT_ON_THE_WIRE = /(\d{13}\.\d{3})#\d+/g;

export type ClientSpec = {
	/** Shown in presence, like a participant's name. */
	name: string;
	/** A collab token; only our server checks it, the peers ignore it. */
	token: string;
	/** The cell key this client edits once a second, or null for a reader. */
	writesCell: string | null;
};

/** When writers run and which edits count, in benchClock milliseconds. */
export type Schedule = {
	writeFrom: number;
	/** Edits sent before this are warm-up: delivered, but not measured. */
	measureFrom: number;
	/** Writers stop here; edits sent from here on are not measured either. */
	measureUntil: number;
};

export type ConductorMessage =
	| {
			type: 'connect';
			protocol: ClientProtocol;
			url: string;
			room: string;
			/** Every cell a ready client must see before the load starts. */
			cellKeys: string[];
			/** Create the cells first: the peers start with an empty document, our server loads the workshop. */
			seedCells: boolean;
			/**
			 * Readers apply every update to their Y.Doc like a browser. Otherwise, once the load starts,
			 * a reader notes the edits in each update message and does not apply it (see worker.ts).
			 */
			fullReaders: boolean;
			clients: ClientSpec[];
			/** Pause between opening two sockets: this worker's clients join evenly over the join window. */
			connectSpacingMs: number;
			readyTimeoutMs: number;
	  }
	| ({ type: 'start' } & Schedule)
	| { type: 'report' }
	| { type: 'stop' };

export type WorkerMessage =
	/** Sent once the worker listens: IPC messages that arrive before a listener exists are lost. */
	| { type: 'listening' }
	| { type: 'ready' }
	| { type: 'failed'; reason: string }
	| {
			type: 'report';
			/** now − sentAt for every remote edit sent inside the measured window, as seen by every client here. */
			latenciesMs: Float64Array;
			/** Edits this worker's writers sent inside the measured window. */
			writes: number;
			/** Established connections that dropped before the report. */
			disconnects: number;
			/** 99th percentile of this worker's event-loop delay from the window's start to the report. */
			loopDelayP99Ms: number;
	  };
