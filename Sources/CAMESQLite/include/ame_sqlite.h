#ifndef AME_SQLITE_H
#define AME_SQLITE_H

/// Tells SQLite not to checkpoint the write-ahead log when this connection closes
/// (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). `db` is a `sqlite3 *`. Returns SQLITE_OK (0) on
/// success. A C function because sqlite3_db_config is variadic, which Swift cannot call.
int ame_sqlite_skip_checkpoint_on_close(void *db);

#endif
