# A real grpcio client for the interop tests: builds message classes from the descriptor set written by the
# test (Debian's protobuf 4.21 cannot import protoc-35 generated code), runs one scenario, prints JSON.
import json
import sys
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

target, descriptor_set, scenario = sys.argv[1:4]
extra = sys.argv[4:]

pool = descriptor_pool.DescriptorPool()
fds = descriptor_pb2.FileDescriptorSet.FromString(open(descriptor_set, "rb").read())
for f in fds.file:
    pool.AddSerializedFile(f.SerializeToString())
factory = message_factory.MessageFactory(pool)


def message(name):
    return factory.GetPrototype(pool.FindMessageTypeByName(name))


Request = message("rbp.test.echo.v1.EchoRequest")
Reply = message("rbp.test.echo.v1.EchoReply")
HealthRequest = message("grpc.health.v1.HealthCheckRequest")
HealthResponse = message("grpc.health.v1.HealthCheckResponse")
ReflectionRequest = message("grpc.reflection.v1.ServerReflectionRequest")
ReflectionResponse = message("grpc.reflection.v1.ServerReflectionResponse")

if extra and extra[0] == "tls":
    credentials = grpc.ssl_channel_credentials(root_certificates=open(extra[1], "rb").read())
    channel = grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
else:
    channel = grpc.insecure_channel(target)
ECHO = "/rbp.test.echo.v1.EchoService/"


def stub(kind, path, request=Request, response=Reply):
    return getattr(channel, kind)(path, request_serializer=request.SerializeToString,
                                  response_deserializer=response.FromString)


def code_of(call):
    try:
        call()
        return {"code": "OK", "details": ""}
    except grpc.RpcError as e:
        return {"code": e.code().name, "details": e.details()}


def run():
    if scenario == "unary":
        reply, call = stub("unary_unary", ECHO + "Echo").with_call(
            Request(message="hello", echo_metadata=True),
            metadata=[("x-ascii", "plain value"), ("x-data-bin", b"\x00\x80\xff")], timeout=10)
        return {"message": reply.message, "peer": reply.peer, "keys": sorted(reply.metadata_keys),
                "headers": {k: (v.hex() if k.endswith("-bin") else v) for k, v in call.initial_metadata()},
                "trailers": {k: (v.hex() if k.endswith("-bin") else v) for k, v in call.trailing_metadata()},
                "code": call.code().name}
    if scenario == "server_stream":
        replies = list(stub("unary_stream", ECHO + "Expand")(Request(message="s", count=6), timeout=10))
        return {"indices": [r.index for r in replies]}
    if scenario == "client_stream":
        reply = stub("stream_unary", ECHO + "Collect")(iter([Request(message=m) for m in "abc"]), timeout=10)
        return {"message": reply.message, "count": reply.count}
    if scenario == "bidi":
        requests = iter([Request(message="m%d" % i) for i in range(4)])
        replies = list(stub("stream_stream", ECHO + "Chat")(requests, timeout=10))
        return {"messages": [r.message for r in replies], "indices": [r.index for r in replies]}
    if scenario == "deadline":
        start = time.monotonic()
        result = code_of(lambda: stub("unary_unary", ECHO + "Echo")(
            Request(message="deadline-python", delay_ms=20000), timeout=0.3))
        result["seconds"] = time.monotonic() - start
        return result
    if scenario == "cancel":
        call = stub("unary_stream", ECHO + "Expand")(
            Request(message="cancel-python", count=1000, delay_ms=20), timeout=30)
        received = 0
        code = None
        try:
            for _ in call:
                received += 1
                if received == 2:
                    call.cancel()
        except grpc.RpcError as e:
            code = e.code().name
        return {"received": received, "code": code}
    if scenario == "error":
        return code_of(lambda: stub("unary_unary", ECHO + "Echo")(
            Request(fail={"code": 5, "message": extra[0]}), timeout=10))
    if scenario == "gzip":
        payload = bytes(300000)
        reply = stub("unary_unary", ECHO + "Echo")(
            Request(message="gz", payload=payload), timeout=10, compression=grpc.Compression.Gzip)
        replies = list(stub("unary_stream", ECHO + "Expand")(
            Request(count=3, reply_payload_size=100000), timeout=10, compression=grpc.Compression.Gzip))
        return {"echoed": len(reply.payload), "same": reply.payload == payload,
                "stream": [len(r.payload) for r in replies]}
    if scenario == "unimplemented":
        return {"method": code_of(lambda: stub("unary_unary", ECHO + "NoSuchMethod")(Request(), timeout=10)),
                "service": code_of(lambda: stub("unary_unary", "/no.such.Service/Call")(Request(), timeout=10))}
    if scenario == "too_large":
        big = code_of(lambda: stub("unary_unary", ECHO + "Echo")(Request(payload=bytes(2 * 1024 * 1024)), timeout=10))
        after = stub("unary_unary", ECHO + "Echo")(Request(message="after"), timeout=10).message
        return {"code": big["code"], "after": after}
    if scenario == "health":
        check = stub("unary_unary", "/grpc.health.v1.Health/Check", HealthRequest, HealthResponse)
        overall = check(HealthRequest(service=""), timeout=10).status
        unknown = code_of(lambda: check(HealthRequest(service="no.such.Service"), timeout=10))
        service = "rbp.test.watched.python"
        watch = stub("unary_stream", "/grpc.health.v1.Health/Watch", HealthRequest, HealthResponse)(
            HealthRequest(service=service), timeout=20)
        seen = [next(watch).status]
        stub("unary_unary", ECHO + "Echo")(Request(health_change={"service": service, "status": 1}), timeout=10)
        seen.append(next(watch).status)
        stub("unary_unary", ECHO + "Echo")(Request(health_change={"service": service, "status": 2}), timeout=10)
        seen.append(next(watch).status)
        watch.cancel()
        return {"overall": overall, "unknown": unknown["code"], "watch": seen}
    if scenario == "reflection":
        info = stub("stream_stream", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                    ReflectionRequest, ReflectionResponse)
        responses = list(info(iter([ReflectionRequest(list_services=""),
                                    ReflectionRequest(file_containing_symbol="rbp.test.echo.v1.EchoService")]),
                              timeout=10))
        services = [s.name for s in responses[0].list_services_response.service]
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in responses[1].file_descriptor_response.file_descriptor_proto]
        # A generic client: rebuild the types from what reflection returned alone, then call the method.
        fresh = descriptor_pool.DescriptorPool()
        pending = list(files)
        while pending:
            for f in list(pending):
                if all(any(d == g.name for g in files if g not in pending) for d in f.dependency):
                    fresh.Add(f)
                    pending.remove(f)
        fresh_factory = message_factory.MessageFactory(fresh)
        DynRequest = fresh_factory.GetPrototype(fresh.FindMessageTypeByName("rbp.test.echo.v1.EchoRequest"))
        DynReply = fresh_factory.GetPrototype(fresh.FindMessageTypeByName("rbp.test.echo.v1.EchoReply"))
        method = fresh.FindServiceByName("rbp.test.echo.v1.EchoService").FindMethodByName("Echo")
        reply = channel.unary_unary(ECHO + method.name, request_serializer=DynRequest.SerializeToString,
                                    response_deserializer=DynReply.FromString)(DynRequest(message="reflected"), timeout=10)
        return {"services": services, "files": sorted(f.name for f in files), "reply": reply.message}
    if scenario == "tls":
        return {"message": stub("unary_unary", ECHO + "Echo")(Request(message="tls"), timeout=10).message}
    raise SystemExit("unknown scenario " + scenario)


print(json.dumps(run()))
