-- First start of the compose database: the two roles and the database, as
-- app/admin/pgcluster.sh does for the local cluster.  DEVELOPMENT-ONLY
-- passwords.
create role xiangzhi_owner login bypassrls password 'xiangzhi-dev-owner';
create role xiangzhi_app login nosuperuser nobypassrls nocreatedb nocreaterole
    noinherit password 'xiangzhi-dev-app';
alter role xiangzhi_app set statement_timeout = '5s';
alter role xiangzhi_app set idle_in_transaction_session_timeout = '10s';
alter role xiangzhi_app set timezone = 'Asia/Shanghai';
create database xiangzhi owner xiangzhi_owner;
revoke all on database xiangzhi from public;
grant connect on database xiangzhi to xiangzhi_owner, xiangzhi_app;
\connect xiangzhi
revoke all on schema public from public;
alter schema public owner to xiangzhi_owner;
grant usage on schema public to xiangzhi_app;
