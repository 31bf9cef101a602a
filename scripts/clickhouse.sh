#!/usr/bin/env bash
# A local ClickHouse for trying the clickhouse destination by hand (tests start their own:
# test/support/clickhouse.ts). Debian's clickhouse-server (18.16), HTTP only on 127.0.0.1, every file under
# one folder, UTC.
#   scripts/clickhouse.sh start [port]   (default 8123; folder: $ACSYNC_CLICKHOUSE_DIR or /tmp/acsync-clickhouse)
#   scripts/clickhouse.sh stop
# Install once: apt-get install -y --no-install-recommends clickhouse-server clickhouse-client
set -euo pipefail
dir=${ACSYNC_CLICKHOUSE_DIR:-/tmp/acsync-clickhouse}
case "${1:-}" in
  start)
    port=${2:-8123}
    mkdir -p "$dir"/{data,tmp,log,user_files,format_schemas}
    cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$port</http_port><listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path><tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path><format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <timezone>UTC</timezone><mlock_executable>false</mlock_executable><mark_cache_size>67108864</mark_cache_size>
</yandex>
XML
    cat >"$dir/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
    server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
    "$server" --config-file="$dir/config.xml" --daemon --pid-file="$dir/clickhouse.pid"
    for _ in $(seq 1 100); do
      if curl -sf "http://127.0.0.1:$port/ping" >/dev/null; then echo "ClickHouse on http://127.0.0.1:$port"; exit 0; fi
      sleep 0.1
    done
    echo "ClickHouse did not start; see $dir/log" >&2
    exit 1
    ;;
  stop)
    pid=$(cat "$dir/clickhouse.pid" 2>/dev/null) || exit 0
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "ClickHouse (pid $pid) did not stop" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 start [port] | stop" >&2
    exit 2
    ;;
esac
