#!/bin/sh
# Creates the namespace (the server image does not) and registers Tempoflow's search attributes;
# what already exists is left alone.
set -eu
NS="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health >/dev/null 2>&1; do echo 'waiting for Temporal…'; sleep 2; done
temporal operator namespace describe -n "$NS" >/dev/null 2>&1 || temporal operator namespace create -n "$NS" --retention 30d
for sa in FlowId=Keyword FlowName=Keyword FlowVersion=Int RerunOf=Keyword RerunFromNode=Keyword; do
  temporal operator search-attribute create --namespace "$NS" --name "${sa%%=*}" --type "${sa##*=}" || true
done
echo "namespace $NS and search attributes are ready"
