import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Page } from '../../domain/shared/pagination';

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay connection type named `${name}Connection` with `${name}Edge` edges. */
export function Connection<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'The number of items matching the filter, across all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}

/** Maps a domain page to a connection, converting each node. */
export function toConnection<E, T>(page: Page<E>, toNode: (entity: E) => T): ConnectionShape<T> {
  return {
    edges: page.items.map((item) => ({ cursor: item.cursor, node: toNode(item.node) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
  };
}
