{{/* Resource name prefix: the release name, prefixed with the chart name unless it already contains it. */}}
{{- define "rbp-server.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{/* 54 characters leave room for the "-headless" suffix within the 63 of a DNS label. */}}

{{- define "rbp-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select this release's pods (Deployment, Services, PodDisruptionBudget); never change after install. */}}
{{- define "rbp-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rbp-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rbp-server.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rbp-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: inference-server
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Settings that cannot work together are refused at render time, naming the value to change. */}}
{{- define "rbp-server.validate" -}}
{{- if not .Values.modelRepository.existingClaim -}}
{{- fail "modelRepository.existingClaim: name the PersistentVolumeClaim that holds the model repository" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.secretName: tls.enabled is true, so name a kubernetes.io/tls Secret (keys tls.crt, tls.key)" -}}
{{- end -}}
{{- if and .Values.auth.enabled (not .Values.auth.secretName) -}}
{{- fail "auth.secretName: auth.enabled is true, so name the Secret that holds the bearer tokens" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not (has .Values.tls.probeMode (list "TLS" "Plaintext"))) -}}
{{- fail (printf "tls.probeMode: %q is not a gRPC probe mode (TLS or Plaintext)" .Values.tls.probeMode) -}}
{{- end -}}
{{- if eq (int .Values.server.grpcPort) (int .Values.server.metricsPort) -}}
{{- fail (printf "server.metricsPort: %v is also server.grpcPort; the HTTP/1.1 metrics listener needs a port of its own" .Values.server.metricsPort) -}}
{{- end -}}
{{- $drain := add .Values.drain.preStopSleepSeconds .Values.drain.serverDrainSeconds -}}
{{- if lt (int .Values.drain.terminationGracePeriodSeconds) (int $drain) -}}
{{- fail (printf "drain.terminationGracePeriodSeconds: %v is shorter than drain.preStopSleepSeconds + drain.serverDrainSeconds = %v; calls in flight would be killed" .Values.drain.terminationGracePeriodSeconds $drain) -}}
{{- end -}}
{{- $live := mul .Values.probes.liveness.periodSeconds .Values.probes.liveness.failureThreshold -}}
{{- if lt (int $live) (int .Values.drain.terminationGracePeriodSeconds) -}}
{{- fail (printf "probes.liveness: periodSeconds x failureThreshold = %v is shorter than drain.terminationGracePeriodSeconds = %v; the liveness probe could kill a draining server" $live .Values.drain.terminationGracePeriodSeconds) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas: %v is above autoscaling.maxReplicas = %v" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- end -}}

{{/* One gRPC health probe on the numeric gRPC port (Kubernetes gRPC probes cannot name a port). */}}
{{- define "rbp-server.grpcProbe" -}}
grpc:
  port: {{ .root.Values.server.grpcPort }}
  service: {{ .service | quote }}
  {{- if .root.Values.tls.enabled }}
  mode: {{ .root.Values.tls.probeMode }}
  {{- end }}
{{- end -}}
