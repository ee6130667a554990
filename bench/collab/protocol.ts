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

/**
 * The cell fields writers overwrite: plain strings in the live document, so one edit is one map
 * set. Writer i takes cell i of the matrix (51 cells) and the first of these fields; writers past
 * the 51st take the next field of the same cells, so up to 153 writers (1530 clients) never share
 * a field and no edit overwrites another writer's.
 */
export const WRITTEN_FIELDS = ['timing', 'unit', 'fundingSource'] as const;
export type WrittenField = (typeof WRITTEN_FIELDS)[number];

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
	/** The cell and field this client edits once a second, or null for a reader. */
	writes: { cell: string; field: WrittenField } | null;
	/** Its room, when the clients of one run are spread over several rooms (else the order's room). */
	room?: string;
	/** Its server, when the clients of one run connect to several servers directly (else the order's url). */
	url?: string;
};

/** A participant of the reconnect wave (wave.ts). */
export type WaveClientSpec = {
	name: string;
	token: string;
	/**
	 * The cell (of its own institution) a representative edits while offline; null for the watcher,
	 * a viewer that stays connected throughout and shows when the server has passed everything on.
	 */
	cell: string | null;
	/** Seeds its edits, so a run can be repeated exactly. */
	seed: number;
};

/** A state vector as a plain map: Yjs client id → next clock. */
export type StateVector = Map<number, number>;

/** One wave participant's account of the wave, sent back to the conductor. */
export type WaveClientReport = {
	name: string;
	watcher: boolean;
	/** ms from the reconnect instant to the server's sync step 2 on the new connection; null if it never came. */
	syncedAfterMs: number | null;
	/** Its state vector at the reconnect instant and after every change from then on. */
	timeline: { afterMs: number; stateVector: StateVector }[];
	/** Why the server refused any of its updates (wave and before). */
	refusals: string[];
	/** A digest of its whole document at the report (canonical JSON of every root, SHA-256). */
	digest: string;
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
	| {
			type: 'wave-prepare';
			protocol: ClientProtocol;
			url: string;
			room: string;
			cellKeys: string[];
			seedCells: boolean;
			clients: WaveClientSpec[];
			/** Offline edits each client makes. */
			edits: number;
			readyTimeoutMs: number;
	  }
	| {
			type: 'wave-reconnect';
			/** benchClock time at which every client reconnects. */
			at: number;
			/** The union of every client's state vector after its offline edits: everything, once all is accepted. */
			target: StateVector;
			/** Report once every participant holds `target`, or this long after the last change, or at the timeout. */
			quietMs: number;
			timeoutMs: number;
	  }
	/**
	 * The owner of the room has just been killed (bench/collab/cluster.ts): every participant notes
	 * what it holds, then every writer makes one more edit, which can reach the others only through
	 * the instance that takes the room over.
	 */
	| { type: 'takeover-mark' }
	/** Report, per participant, when its document first covered `target` (ms after `at`). */
	| { type: 'takeover-watch'; at: number; target: StateVector; timeoutMs: number }
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
			/** Updates the server refused (none expected: every writer edits only its own institution's cell). */
			refusals: number;
	  }
	| {
			type: 'wave-prepared';
			/** Each client's state vector after its offline edits. */
			stateVectors: StateVector[];
			/** Bytes each client will send on reconnecting (its offline edits as one update), summed. */
			offlineBytes: number;
	  }
	| { type: 'wave-report'; clients: WaveClientReport[] }
	| {
			type: 'takeover-marked';
			/** Union of what the readers held at the kill: edits the server had sent, i.e. acknowledged. */
			received: StateVector;
			/** Union of the writers' documents after their edit made after the kill. */
			written: StateVector;
	  }
	| {
			type: 'takeover-report';
			/** Per participant, ms from the kill until its document covered the target; null: not within the timeout. */
			convergedAfterMs: (number | null)[];
			/** Connections that dropped (each reconnects by itself). */
			disconnects: number;
			refusals: string[];
			/** Participants not back in sync at the report: name, writer or reader, last close the server sent. */
			stragglers: string[];
	  };
