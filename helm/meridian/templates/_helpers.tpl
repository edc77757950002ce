{{/*
The seven services, in the order of libs/contracts SERVICE_NAMES.
*/}}
{{- define "meridian.serviceNames" -}}
gateway auth chat group relationship push callback
{{- end }}

{{- define "meridian.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified prefix of every object: <release> (or <release>-<chart> when the release name does
not contain the chart name), as in the prometheus-community charts. Service objects are
<fullname>-<service>.
*/}}
{{- define "meridian.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "meridian.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "meridian.labels" -}}
helm.sh/chart: {{ include "meridian.chart" . }}
{{ include "meridian.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meridian
meridian.io/region: {{ .Values.region.name | quote }}
{{- end }}

{{- define "meridian.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meridian.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Per-service: call with (dict "root" $ "svc" "gateway"). */}}
{{- define "meridian.svc.fullname" -}}
{{- printf "%s-%s" (include "meridian.fullname" .root) .svc }}
{{- end }}

{{- define "meridian.svc.labels" -}}
{{ include "meridian.labels" .root }}
app.kubernetes.io/component: {{ .svc }}
{{- end }}

{{- define "meridian.svc.selectorLabels" -}}
{{ include "meridian.selectorLabels" .root }}
app.kubernetes.io/component: {{ .svc }}
{{- end }}

{{- define "meridian.svc.image" -}}
{{- $img := .root.Values.image }}
{{- $repo := printf "%s%s" $img.repositoryPrefix .svc }}
{{- if $img.registry }}{{ $repo = printf "%s/%s" $img.registry $repo }}{{ end }}
{{- if $img.digest }}
{{- printf "%s@%s" $repo $img.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{- define "meridian.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "meridian.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "meridian.topologyConfigMapName" -}}
{{- printf "%s-topology" (include "meridian.fullname" .) }}
{{- end }}

{{/*
The topology file (deploy/topology.json format) as JSON. This region's services are reached at
their Kubernetes Services, <fullname>-<service>; other regions' at the hosts given in values.
*/}}
{{- define "meridian.topologyJson" -}}
{{- $root := . }}
{{- $t := .Values.topology }}
{{- $regions := dict }}
{{- $local := dict }}
{{- range $svc := splitList " " (include "meridian.serviceNames" $root) }}
{{- $_ := set $local $svc (dict "httpPort" (int $t.ports.http) "grpcPort" (int $t.ports.grpc) "host" (include "meridian.svc.fullname" (dict "root" $root "svc" $svc))) }}
{{- end }}
{{- $r := dict "host" (printf "%s.%s.svc" (include "meridian.fullname" $root) $root.Release.Namespace) "mongoDatabase" .Values.region.mongoDatabase "kafkaTopicPrefix" .Values.region.kafkaTopicPrefix "redisKeyPrefix" .Values.region.redisKeyPrefix "services" $local }}
{{- if .Values.region.publicUrl }}{{ $_ := set $r "publicUrl" .Values.region.publicUrl }}{{ end }}
{{- $_ := set $regions .Values.region.name $r }}
{{- range $name, $rr := $t.remoteRegions }}
{{- $services := dict }}
{{- range $svc := splitList " " (include "meridian.serviceNames" $root) }}
{{- $o := get (default dict $rr.services) $svc | default dict }}
{{- $e := dict "httpPort" (int (default (default $t.ports.http $rr.httpPort) $o.httpPort)) "grpcPort" (int (default (default $t.ports.grpc $rr.grpcPort) $o.grpcPort)) }}
{{- if $o.host }}{{ $_ := set $e "host" $o.host }}{{ end }}
{{- $_ := set $services $svc $e }}
{{- end }}
{{- $x := dict "host" $rr.host "mongoDatabase" $rr.mongoDatabase "kafkaTopicPrefix" $rr.kafkaTopicPrefix "redisKeyPrefix" $rr.redisKeyPrefix "services" $services }}
{{- if $rr.publicUrl }}{{ $_ := set $x "publicUrl" $rr.publicUrl }}{{ end }}
{{- $_ := set $regions $name $x }}
{{- end }}
{{- $dp := dict "mongoUrl" $t.dataPlane.mongoUrl "kafkaBrokers" $t.dataPlane.kafkaBrokers "redisUrl" $t.dataPlane.redisUrl }}
{{- dict "dataPlane" $dp "regions" $regions "delaysMs" $t.delaysMs | toPrettyJson }}
{{- end }}

{{/* The Secret holding a service's gRPC certificate: call with (dict "root" $ "svc" "auth"). */}}
{{- define "meridian.svc.grpcTlsSecret" -}}
{{- $names := .root.Values.grpcTls.existingSecrets.names | default dict }}
{{- if and (eq .root.Values.grpcTls.source "existingSecrets") (hasKey $names .svc) }}
{{- index $names .svc }}
{{- else }}
{{- printf "%s-grpc-tls" (include "meridian.svc.fullname" .) }}
{{- end }}
{{- end }}
