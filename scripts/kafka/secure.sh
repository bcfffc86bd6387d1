# Sourced by scripts/kafka.sh for `--secure`: a broker whose only client listener is SASL_SSL, as
# managed Kafka services have. Its CA and keystores are made with Java's keytool, its passwords at
# random, all once per state directory (under $state/secrets, which `down --wipe` removes):
#
#   ca.pem                 the CA that signed the broker's certificate (give it to --kafka-ssl-ca-file)
#   odin.password          password of user "odin": PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
#   admin.password         password of user "admin": PLAIN (the broker's own and the tools' user)
#   client.properties      admin client settings for Kafka's own tools (--command-config)
#
# Passwords stay in files (mode 600), never on a command line or in a log.

secrets="$state/secrets"

random_secret() { head -c 18 /dev/urandom | base64 | tr -d '/+=' ; }

make_secrets() {
  [ -f "$secrets/.complete" ] && return 0
  command -v keytool >/dev/null || { log "Java's keytool is required for --secure"; exit 1; }
  rm -rf "$secrets"; mkdir -p "$secrets"; chmod 700 "$secrets"
  random_secret > "$secrets/store.password"
  random_secret > "$secrets/admin.password"
  random_secret > "$secrets/odin.password"
  chmod 600 "$secrets"/*.password
  local pass; pass="$(cat "$secrets/store.password")"
  local kt=(keytool -storetype PKCS12 -storepass "$pass")
  (
    cd "$secrets"
    "${kt[@]}" -genkeypair -alias ca -dname "CN=odin-ws local CA" -keyalg RSA -keysize 2048 -validity 3650 -ext bc:c -keystore ca.p12
    "${kt[@]}" -exportcert -alias ca -keystore ca.p12 -rfc -file ca.pem
    "${kt[@]}" -genkeypair -alias broker -dname "CN=localhost" -keyalg RSA -keysize 2048 -validity 3650 -keystore broker.p12
    "${kt[@]}" -certreq -alias broker -keystore broker.p12 -file broker.csr
    "${kt[@]}" -gencert -alias ca -keystore ca.p12 -infile broker.csr -outfile broker.pem -rfc -validity 3650 -ext "SAN=dns:localhost,ip:127.0.0.1"
    "${kt[@]}" -importcert -alias ca -keystore broker.p12 -file ca.pem -noprompt
    "${kt[@]}" -importcert -alias broker -keystore broker.p12 -file broker.pem
    "${kt[@]}" -importcert -alias ca -keystore truststore.p12 -file ca.pem -noprompt
  ) >/dev/null 2>&1 || { log "keytool could not make the CA and keystores in $secrets"; exit 1; }
  cat > "$secrets/client.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$(cat "$secrets/admin.password")";
ssl.truststore.type=PKCS12
ssl.truststore.location=$secrets/truststore.p12
ssl.truststore.password=$pass
PROPS
  chmod 600 "$secrets/client.properties"
  touch "$secrets/.complete"
  log "made a CA, the broker keystore and users in $secrets"
}

# The broker's listeners and security, appended to server.properties.
write_secure_config() {
  local pass admin odin controller_port=$((port + 1))
  pass="$(cat "$secrets/store.password")"; admin="$(cat "$secrets/admin.password")"; odin="$(cat "$secrets/odin.password")"
  sed -i -e '/^listeners=/d' -e '/^advertised.listeners=/d' -e '/^listener.security.protocol.map=/d' -e '/^inter.broker.listener.name=/d' "$state/server.properties"
  cat >> "$state/server.properties" <<PROPS
listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_SSL://127.0.0.1:$port
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin" user_odin="$odin";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$secrets/broker.p12
ssl.keystore.password=$pass
ssl.key.password=$pass
ssl.truststore.type=PKCS12
ssl.truststore.location=$secrets/truststore.p12
ssl.truststore.password=$pass
PROPS
  chmod 600 "$state/server.properties"
}

# SCRAM credentials live in the KRaft metadata log: they are written when the storage is formatted.
scram_format_args() {
  local odin; odin="$(cat "$secrets/odin.password")"
  printf '%s\n' --add-scram "SCRAM-SHA-256=[name=odin,password=$odin]" --add-scram "SCRAM-SHA-512=[name=odin,password=$odin]"
}
