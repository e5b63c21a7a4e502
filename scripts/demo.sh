#!/usr/bin/env bash
# The demo (make demo runs `make lab` first): site.yml on the lab, then verify.yml, then how to reach
# each Orthanc. A second run converges with changed=0. PACS_TLS=1 (make demo PACS_TLS=1) turns TLS on:
# HTTPS and DICOM TLS with certificates from a fleet CA made here, whose certificate is printed to trust.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT" || exit

tls_args=()
scheme=http
ca_dir="$HOME/.local/share/pacs-orthanc/fleet-ca"
if [[ "${PACS_TLS:-0}" == 1 ]]; then
  tls_args=(-e orthanc_tls_enabled=true -e "orthanc_tls_ca_dir=$ca_dir")
  scheme=https
fi

log "ansible-playbook site.yml (Docker Engine, images built once here, the stacks)"
ansible-playbook -i inventories/lab site.yml "${tls_args[@]}"
log "ansible-playbook playbooks/verify.yml"
ansible-playbook -i inventories/lab playbooks/verify.yml "${tls_args[@]}"

if [[ "$scheme" == https ]]; then
  log "The fleet CA to trust (browsers, PACS viewers, DICOM modalities)"
  echo "  $ca_dir/ca.pem"
  openssl x509 -in "$ca_dir/ca.pem" -noout -subject -enddate -fingerprint -sha256 | sed 's/^/    /'
  echo "  curl --cacert $ca_dir/ca.pem -u admin https://<host>:8042/system"
  echo "  storescu +tls <your key> <your cert, issued by this CA> +cf $ca_dir/ca.pem -aet LABSCU -aec <AET> <host> 4242 file.dcm"
fi

log "Your PACS servers"
for host in $(docker ps --filter "label=$LAB_LABEL=host" --format '{{.Names}}' | sort); do
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
  aet=$(echo "$host" | tr 'a-z-' 'A-Z_')
  echo "  $host"
  if [[ -n "$(docker exec "$host" docker ps -q --filter name=orthanc-orthanc-1)" ]]; then
    cat <<INFO
    web UI         $scheme://$ip:8042/app/explorer.html   (REST: $scheme://$ip:8042/system)
    user           admin
    password       docker exec $host cat /opt/orthanc/secrets/admin-password   (root-only file on the host)
    DICOM server   AET $aet at $ip:4242   (only registered modalities may store: add them to orthanc_modalities)
    DICOM gateway  AET GW_$aet at $ip:4243 (forwards to this host's server, keeps each image until it confirmed)
    Adminer        http://127.0.0.1:8080 inside $host only (loopback: reach it through a tunnel)
INFO
  else
    cat <<INFO
    DICOM gateway  AET GW_$aet at $ip:4243 (gateway-only host: forwards to its site's server, keeps each
                   image until the server confirmed it; REST on 127.0.0.1:8043 inside $host)
INFO
  fi
done
log "Each gateway's backlog (instances not yet confirmed by its server) is in the verify table above"
