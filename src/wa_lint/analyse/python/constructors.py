"""The constructors PERF101 and PERF102 look for, in one place.

Names are fully qualified after import aliases are resolved (`import boto3 as b3` → `boto3.client`).
`X().y` means "method y called on the result of X(...)", e.g. `boto3.Session().client` matches
`boto3.Session(...).client(...)` and `session.client(...)` where `session = boto3.Session(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable

# PERF101: AWS SDK clients, resources and sessions.
SDK_CLIENTS: tuple[str, ...] = (
    "boto3.client",
    "boto3.resource",
    "boto3.Session",
    "boto3.session.Session",
    "boto3.Session().client",
    "boto3.Session().resource",
    "boto3.session.Session().client",
    "boto3.session.Session().resource",
    "botocore.session.get_session",
    "botocore.session.Session",
    "botocore.session.get_session().create_client",
    "botocore.session.Session().create_client",
    "aioboto3.Session",
    "aioboto3.session.Session",
    "aioboto3.Session().client",
    "aioboto3.Session().resource",
    "aioboto3.session.Session().client",
    "aioboto3.session.Session().resource",
    "aioboto3.client",
    "aioboto3.resource",
    "amazondax.AmazonDaxClient",
    "amazondax.AmazonDaxClient.resource",
)

# Sessions whose `.client(...)`-style methods build a new client each call.
SDK_SESSIONS = frozenset(name.rsplit("().", 1)[0] for name in SDK_CLIENTS if "()." in name)

# PERF102: database connections and pooled network clients. A one-shot `requests.get` has no pool.
CONNECTIONS: tuple[str, ...] = (
    "pymysql.connect",
    "pymysql.connections.Connection",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "psycopg2.connect",
    "psycopg2.pool.SimpleConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool",
    "psycopg.connect",
    "psycopg.Connection.connect",
    "psycopg_pool.ConnectionPool",
    "pg8000.connect",
    "pg8000.native.Connection",
    "asyncpg.connect",
    "asyncpg.create_pool",
    "pyodbc.connect",
    "pymssql.connect",
    "oracledb.connect",
    "oracledb.create_pool",
    "cx_Oracle.connect",
    "snowflake.connector.connect",
    "sqlite3.connect",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.Redis.from_url",
    "redis.StrictRedis.from_url",
    "redis.cluster.RedisCluster",
    "redis.RedisCluster",
    "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "httpx.Client",
    "httpx.AsyncClient",
    "urllib3.PoolManager",
    "opensearchpy.OpenSearch",
    "opensearchpy.AsyncOpenSearch",
    "elasticsearch.Elasticsearch",
    "elasticsearch.AsyncElasticsearch",
)

# Keyword arguments that give a client credentials obtained at run time (e.g. from sts.assume_role).
CREDENTIAL_KEYWORDS = frozenset({"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "botocore_session"})


def matcher(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.strip() for name in names if name and name.strip())


def display(name: str) -> str:
    """`boto3.Session().client` reads better as `boto3.Session(...).client`."""
    return name.replace("()", "(...)")
