import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A document written, read back and deleted by the self-test. (No TTL index: FerretDB 1.24 does
 * not implement expireAfterSeconds, so nothing in Meridian relies on one.)
 */
@Schema({ collection: 'platform_probes', versionKey: false })
export class Probe {
  @Prop({ required: true, unique: true }) // serves: findOne({ nonce }) in the self-test
  nonce!: string;

  @Prop({ required: true })
  instanceId!: string;

  @Prop({ required: true })
  createdAt!: Date;
}

export const ProbeSchema = SchemaFactory.createForClass(Probe);
